"""Unbound Flask extensions, bound to an app in ``create_app``."""

from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from packing.core.models import Base

db = SQLAlchemy(metadata=Base.metadata)
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
# Limits are declared where they apply (sign-in, the API); nothing else is limited.
limiter = Limiter(key_func=get_remote_address)
