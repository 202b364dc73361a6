app_name = "instagram_source"

urlpatterns = []
