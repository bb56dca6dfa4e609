"""Flask extensions, created unbound and initialised in :func:`nrhub.create_app`."""

from typing import TYPE_CHECKING

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from nrhub import ratelimit  # noqa: F401  (registers the nrhub-memory:// storage)
from nrhub.db import Base

db = SQLAlchemy(model_class=Base)

# The base class of every model. Flask-SQLAlchemy builds ``db.Model`` at run time from
# ``Base``; type checkers cannot follow that, so they are shown ``Base`` itself.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Short-lived copies of expensive public reads (the catalogue); see config.py.
cache = Cache()
