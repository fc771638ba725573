"""The platform profile's services: what a workshop room shares when it outgrows one laptop."""
