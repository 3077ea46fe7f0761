from . import itscope_product_search
from . import itscope_product_search_line
