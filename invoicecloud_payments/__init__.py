from . import controllers, models
from .hooks import _post_init_hook
