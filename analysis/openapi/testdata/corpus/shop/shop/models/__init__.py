from .catalog import Category, Product, ProductCreate, ProductList, Review
from .orders import Address, Customer, Order, OrderCreate, OrderLine
