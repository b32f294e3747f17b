from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0013_gaps')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Message',
            name='timezone',
            field=fields.CharField(default='', db_default='', max_length=64),
        ),
    ]
