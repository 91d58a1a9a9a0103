"""The packing station: a Flask app for packing customer orders in stores.

The package itself imports nothing, so the domain (``packing.core``) loads without Flask;
the application is built by ``packing.app.create_app``.
"""
