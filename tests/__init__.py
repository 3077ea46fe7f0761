from . import test_catalogue_import
from . import test_connection
from . import test_itscope_document
from . import test_master_data
from . import test_purchase_order
from . import test_settings_tour
from . import test_best_source
from . import test_catalogue_ways_in
