// filled in by the Store work
