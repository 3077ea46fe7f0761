from . import test_connection
from . import test_master_data
from . import test_settings_tour
