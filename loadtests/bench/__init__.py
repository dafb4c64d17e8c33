"""Side-by-side benchmarks; each writes JSON lines and its own BENCHMARKS.md section."""
