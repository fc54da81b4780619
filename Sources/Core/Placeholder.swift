// filled in by the Core work
