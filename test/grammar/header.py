# SYNTAX TEST "source.python" "Alembic docstring header"
"""add users table

Revision ID: 1f9a3c2b7d10
# <---------- keyword.other.alembic-header.python
#            ^^^^^^^^^^^^ constant.other.alembic-revision.python
Revises: 2a7e5d91c3b4
# <------ keyword.other.alembic-header.python
#        ^^^^^^^^^^^^ constant.other.alembic-revision.python
Create Date: 2024-01-08 09:12:44.118210
# <---------- keyword.other.alembic-header.python
#            ^^^^^^^^^^^^^^^^^^^^^^^^^^ constant.other.alembic-revision.python
"""
