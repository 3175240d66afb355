# The inspection workflow: addressees (the bodies tickets go to).

workflow-not-addressee-manager = A { $role } cannot do this: addressees are recorded by administrators and read by staff
workflow-addressee-not-found = There is no addressee { $addressee }
workflow-addressee-exists = An addressee named { $name } exists already
workflow-township-missing = There is no township { $township }
workflow-addressee-needs-township = A township's discipline office or finance station names its township
workflow-addressee-takes-no-township = The county discipline commission is county-wide: give no township
