"""Locust users: SIP phones and carriers (custom UDP client), and the web API."""
