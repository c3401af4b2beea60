"""Piccolo's configuration module (PICCOLO_CONF=app.piccolo_conf for the `piccolo` CLI)."""

from piccolo.conf.apps import AppRegistry

from app.db import ENGINE

DB = ENGINE
APP_REGISTRY = AppRegistry(apps=["app.piccolo_app"])
