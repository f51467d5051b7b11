"""The web front of hemicycle: a FastAPI app (:func:`create_app`) serving a JSON API, its OpenAPI
schema and a dashboard of static files. ``hemicycle serve`` runs it with uvicorn."""

from hemicycle.web.app import create_app

__all__ = ["create_app"]
