from risk.cli import main

raise SystemExit(main())
