from bawaba.cli import main

main()
