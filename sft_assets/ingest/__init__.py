"""Reading source files of every supported format into canonical conversations."""
