"""The command line: one lazily-loaded typer sub-app per context; thin commands."""
