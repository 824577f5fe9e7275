from .catalog import Category, Product, ProductCreate, Review
from .orders import Address, Customer, Order, OrderCreate, OrderLine
