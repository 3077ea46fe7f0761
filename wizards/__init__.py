from . import itscope_product_search
from . import itscope_product_search_line
from . import itscope_best_source
from . import itscope_best_source_line
from . import itscope_export_import
