"""``python -m formcheck`` runs the command-line tool."""

from formcheck.cli import main

main()
