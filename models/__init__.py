from . import itscope_api_gate
from . import res_company
from . import res_config_settings
