"""orders: sales orders, shipments and deliveries, service requests, projects, tasks, timesheets."""
