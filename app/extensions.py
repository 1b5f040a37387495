"""Extension objects, created unbound; `create_app` binds them."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_wtf.csrf import CSRFProtect

from app.db import db

babel = Babel()
bootstrap = Bootstrap5()
csrf = CSRFProtect()

__all__ = ["babel", "bootstrap", "csrf", "db"]
