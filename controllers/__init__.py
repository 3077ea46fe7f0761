from . import itscope_connector
