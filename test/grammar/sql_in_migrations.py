# SYNTAX TEST "source.python" "SQL inside op.execute / text / exec_driver_sql strings"
op.execute("UPDATE users SET active = true WHERE id = 1")
#           ^^^^^^ keyword.other.DML.sql
#                                          ^^^^^ keyword.other.DML.sql
#          ^ punctuation.definition.string.begin.python
op.execute(sa.text('DELETE FROM sessions WHERE expired'))
#                   ^^^^^^ keyword.other.DML.sql
op.execute(r"SELECT 1 FROM t")
#          ^ storage.type.string.python
#            ^^^^^^ keyword.other.DML.sql
op.execute(
    """
    CREATE INDEX CONCURRENTLY ix ON users (email)
#   ^^^^^^ keyword.other.create.sql
    """
)
conn.exec_driver_sql("INSERT INTO t VALUES (%(a)s)")
#                     ^^^^^^ keyword.other.DML.sql
print("SELECT is just text here")
#      ^^^^^^ - keyword.other.DML.sql
