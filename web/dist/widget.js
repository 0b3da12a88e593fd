// built by make web
