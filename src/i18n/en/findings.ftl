# Checklists, findings, rectification and publication (巡察清单、问题、整改、公开).
