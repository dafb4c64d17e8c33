"""The only I/O of the routing package: KEMI glue and the SQL snapshot reader."""
