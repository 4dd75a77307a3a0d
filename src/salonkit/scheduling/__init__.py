"""salonkit.scheduling."""

from salonkit.scheduling.day import DayProblem as DayProblem
from salonkit.scheduling.day import DaySolution as DaySolution
from salonkit.scheduling.day import check_solution as check_solution
from salonkit.scheduling.day import optimize as optimize
