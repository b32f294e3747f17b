from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_outbox')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='ConsentRecord',
            index=Index(fields=['volunteer_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Event',
            index=Index(fields=['organization_id', 'status']),
        ),
        ops.AddIndex(
            model_name='Event',
            index=Index(fields=['group_id']),
        ),
        ops.AddIndex(
            model_name='Event',
            index=Index(fields=['campaign_id']),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['state', 'due_at']),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['signup_id']),
        ),
        ops.AddIndex(
            model_name='Message',
            index=Index(fields=['volunteer_id', 'created_at']),
        ),
        ops.AddIndex(
            model_name='Relationship',
            index=Index(fields=['volunteer_id']),
        ),
        ops.AddIndex(
            model_name='Shift',
            index=Index(fields=['event_id', 'starts_at']),
        ),
    ]
