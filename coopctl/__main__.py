from coopctl.cli.main import run

run()
