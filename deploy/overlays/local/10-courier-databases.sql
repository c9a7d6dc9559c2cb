-- Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d):
-- each store service owns one database (DESIGN.md §10) and applies its own migrations.
CREATE DATABASE courier_product;
CREATE DATABASE courier_listing;
CREATE DATABASE courier_order;
