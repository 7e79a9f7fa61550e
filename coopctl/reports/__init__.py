"""Reports: builders return a ``model.Report``; ``render`` draws it in any format."""
