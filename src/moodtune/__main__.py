from moodtune.cli.main import main

main()
