"""Translation helpers usable outside a request (cron, CLI, demo loader, threads)."""

from __future__ import annotations

from flask_babel import gettext, ngettext

# ``nrhub.select_locale`` answers French outside a request, so flask_babel works everywhere;
# these names stay for the modules that import them from here.
_ = gettext
n_ = ngettext
