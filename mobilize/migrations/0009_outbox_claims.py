from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0008_message_sent_by')]

    initial = False

    operations = [
        ops.CreateModel(
            name='DeliveryWorker',
            fields=[
                ('id', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('host', fields.CharField(default='', max_length=255)),
                ('pid', fields.IntField(default=0)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('seen_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'delivery_worker', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Message',
            name='claim_token',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Message',
            name='claimed_by',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Message',
            name='in_doubt',
            field=fields.BooleanField(default=False),
        ),
    ]
