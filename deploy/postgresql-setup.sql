-- The database and its owner account for baocao, on PostgreSQL 13 or newer.
--   sudo -u postgres psql -v role=baocao -v dbname=baocao \
--        -v password="$(openssl rand -hex 24)" -f deploy/postgresql-setup.sql
-- then put the same password in DATABASE_URL:
--   postgresql+psycopg://baocao:<password>@127.0.0.1/baocao
-- The account owns the database (and so its public schema): `baocao run` creates and
-- upgrades the tables, `baocao restore` may replace them. It is not a superuser.
\set ON_ERROR_STOP on
CREATE ROLE :"role" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE DATABASE :"dbname" OWNER :"role" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8'
    LC_CTYPE 'C.UTF-8' TEMPLATE template0;
\connect :"dbname"
ALTER SCHEMA public OWNER TO :"role";
REVOKE ALL ON DATABASE :"dbname" FROM PUBLIC;
