from ctdash.cli import main

main()
