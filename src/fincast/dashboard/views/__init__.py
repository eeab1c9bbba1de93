"""The dashboard's pages, one module each (not `pages/`: Streamlit would list that folder)."""
