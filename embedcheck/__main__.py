from embedcheck.cli import main

raise SystemExit(main())
