"""Load tests (Locust, sipp) and benchmarks (`make bench`)."""
