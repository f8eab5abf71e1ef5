app_name = "encounters"
urlpatterns = []
