// filled in by the Datasets work
