"""The CRM database: contract models, xerodesk's own tables, migrations, bulk writes."""
