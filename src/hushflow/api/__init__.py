"""hushflow's REST API (Kestra's paths), served by ``hushflow server local``."""

from hushflow.api.app import create_app

__all__ = ["create_app"]
