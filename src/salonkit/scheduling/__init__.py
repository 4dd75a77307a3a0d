"""salonkit.scheduling."""

from salonkit.scheduling.availability import AvailabilityEngine as AvailabilityEngine
from salonkit.scheduling.day import DayProblem as DayProblem
from salonkit.scheduling.day import DaySolution as DaySolution
from salonkit.scheduling.day import check_solution as check_solution
from salonkit.scheduling.day import optimize as optimize
from salonkit.scheduling.model import Appointment as Appointment
from salonkit.scheduling.model import AppointmentStatus as AppointmentStatus
from salonkit.scheduling.model import BookingRequest as BookingRequest
from salonkit.scheduling.model import Slot as Slot
from salonkit.scheduling.model import VisitSlot as VisitSlot
from salonkit.scheduling.model import WaitlistEntry as WaitlistEntry
from salonkit.scheduling.rota import RotaProblem as RotaProblem
from salonkit.scheduling.rota import RotaSolution as RotaSolution
from salonkit.scheduling.rota import check_roster as check_roster
from salonkit.scheduling.rota import solve_rota as solve_rota
from salonkit.scheduling.rules import BookingRules as BookingRules
from salonkit.scheduling.service import BookingService as BookingService
