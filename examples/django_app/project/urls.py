from django.urls import path
from mcpdemo import views

urlpatterns = [
    path("tools/", views.tools),
    path("add/", views.add),
    path("weather/<str:city>/", views.weather),
]
