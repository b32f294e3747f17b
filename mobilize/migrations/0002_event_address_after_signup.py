from tortoise import fields, migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Event',
            name='address_after_signup',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
