from videodesk import create_app

app = create_app()
