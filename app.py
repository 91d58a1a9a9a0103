from packing import create_app

app = create_app()
